"""The log's rules (domain.py) and its write path (write.py): every entry of any kind is prepared
here (inherited, resolved, checked) before the store inserts it."""
