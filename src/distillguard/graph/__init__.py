"""Attribution: the account graph (IDF-weighted shared attributes, lockstep) and its
communities."""

from distillguard.graph.communities import communities
from distillguard.graph.linkage import Edges, build_edges, idf, keep_edges, lockstep, pair_weight

__all__ = ["Edges", "build_edges", "communities", "idf", "keep_edges", "lockstep", "pair_weight"]
