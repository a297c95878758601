"""The LangGraph build graph, its nodes and prompts, and the model seam with its providers."""
