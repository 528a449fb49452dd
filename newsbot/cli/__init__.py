"""The `newsbot` command line."""
