"""Where the paragraph vectors live: the backend interface, one factory, FAISS and Milvus."""
