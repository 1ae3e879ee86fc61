"""Question -> analysis -> fused dense and keyword ranking -> highlighted passages."""
