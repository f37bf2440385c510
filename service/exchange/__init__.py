"""Data in and out of files: a seed file of one article (seed.py), and a whole log as one archive
(archive.py)."""
