"""newsdex: a search engine for news archives."""

__version__ = "0.1.0"
