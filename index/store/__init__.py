"""The only code that touches Chroma: the store, its article registry and commit protocol, the
keyword index kept in step with it, stored sentence vectors, the writer lock, the consistency
checks."""
