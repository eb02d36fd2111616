"""Index: search engines derived from the document store, behind one small interface."""
