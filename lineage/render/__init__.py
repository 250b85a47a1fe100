"""Diagrams of the lineage graph (Graphviz DOT, SVG, PNG, Mermaid)."""
