"""The shall command line and terminal UI: thin shells over reqs/, specs/ and agents/."""
