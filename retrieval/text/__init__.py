"""Chinese-language knowledge, defined once: character classes, folding, names, aliases, words."""
