"""A labelled traffic simulator on real corpora: benign personas and
distillation campaigns, written as the log-format contract's files."""

from distillguard.simulate.corpora import Corpora, load_corpora, text_half
from distillguard.simulate.hardness import BOUND, SIGNALS, best_f1
from distillguard.simulate.knobs import Knobs, TacticKnobs
from distillguard.simulate.roster import (
    TACTIC_NAMES,
    TACTIC_REGISTRY,
    build_world,
    catalogue,
    select_tactics,
)
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
    "SIGNALS", "TACTIC_NAMES", "TACTIC_REGISTRY", "Corpora", "Knobs", "SimConfig",
    "SimulationReport", "TacticKnobs", "World", "best_f1", "build_world", "catalogue",
    "load_corpora", "parse_start", "select_tactics", "simulate", "text_half",
]
