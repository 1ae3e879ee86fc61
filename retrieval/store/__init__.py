"""One generation of the index on disk: manifest, rows, keyword index, atomic write and load, build."""
