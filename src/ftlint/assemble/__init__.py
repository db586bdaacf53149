"""Assembly: source records and loaded files -> one Campaign (joins, vocabulary, pair)."""
