"""The next-run plan: model, builder, diagnosis and scoreboard summaries."""
