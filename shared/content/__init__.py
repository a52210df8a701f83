"""What the program tells its partners: the agreement (versioned Markdown) and the resources (Markdown)."""
