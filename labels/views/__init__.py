"""Pages of the Label Intégration; each part declares its own patterns in its views module."""
