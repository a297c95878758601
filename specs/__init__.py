"""The data-oriented design: collections and components, inferred and checked, and the rendered app."""
