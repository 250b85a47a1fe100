"""lineage: personal-data flow lineage analyzer."""

__version__ = "1.0.0"
