"""The ``veracity`` command line."""
