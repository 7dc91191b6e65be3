"""Training-dynamics readings on any `Run`: cartography, forgetting, neural collapse, calibration.

NumPy/SciPy only. Each reading's docstring carries its definition and its paper:

- `cartography` (Swayamdipta et al. 2020): per-sample confidence, variability, correctness, regions;
- `forgetting_events` (Toneva et al. 2019): correct -> wrong transitions per sample;
- `neural_collapse` (Papyan, Han & Donoho 2020): NC1-NC4 per record, from recorded features and
  weights or from the logits alone;
- `calibration`, `fit_temperature`, `calibration_report` (Guo et al. 2017): ECE, MCE, NLL,
  reliability curve, temperature scaling.
"""

from .calibration import Calibration, TemperatureScaling, calibration, calibration_report, fit_temperature
from .cartography import REGIONS, Cartography, cartography
from .collapse import READINGS, NeuralCollapse, collapse_metrics, neural_collapse
from .forgetting import Forgetting, count_forgetting, forgetting_events

__all__ = [
    "Calibration",
    "TemperatureScaling",
    "calibration",
    "calibration_report",
    "fit_temperature",
    "REGIONS",
    "Cartography",
    "cartography",
    "READINGS",
    "NeuralCollapse",
    "collapse_metrics",
    "neural_collapse",
    "Forgetting",
    "count_forgetting",
    "forgetting_events",
]
