"""The two contracts and their vocabularies. No I/O, imports no other package of the project."""
