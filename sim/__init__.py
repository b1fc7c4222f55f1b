"""The engine: event loop, seeded randomness, recording, sweeps, plotting, CLI."""
