"""The practice's vocabulary and rules, free of any web framework or database driver."""
