"""Turn raw article text and saved pages into clean text and metadata."""
