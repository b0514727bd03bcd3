"""vertice-obs: observability as code for the Vértice platform and its AI core, MAXIMUS."""

__version__ = "0.1.0"
