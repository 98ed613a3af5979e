"""The data plane: walking a packet hop by hop through the computed tables."""
