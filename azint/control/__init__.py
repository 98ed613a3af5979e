"""The control plane: every network's routes, computed from the topology by Azure's rules."""
