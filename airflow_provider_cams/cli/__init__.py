"""The provider's console scripts."""
