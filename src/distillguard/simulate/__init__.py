"""A labelled traffic simulator on real corpora: benign personas and
distillation campaigns, written as the log-format contract's files."""

from distillguard.simulate.cohorts import build_world
from distillguard.simulate.corpora import Corpora, load_corpora, text_half
from distillguard.simulate.hardness import BOUND, SIGNALS, best_f1
from distillguard.simulate.simulation import (
    EVENT_FORMATS,
    PERSONAS_CSV_HEADER,
    SimulationReport,
    parse_start,
    simulate,
)
from distillguard.simulate.world import BENIGN_PERSONAS, HARD_NEGATIVES, SimConfig, World

__all__ = [
    "BENIGN_PERSONAS", "BOUND", "EVENT_FORMATS", "HARD_NEGATIVES", "PERSONAS_CSV_HEADER",
    "SIGNALS", "Corpora", "SimConfig", "SimulationReport", "World", "best_f1", "build_world",
    "load_corpora", "parse_start", "simulate", "text_half",
]
