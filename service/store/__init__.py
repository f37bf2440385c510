"""SQL, one module per aggregate: a connection in, rows or dataclasses out."""
