"""A template skdeep plugin with one small torch classifier."""

from skdeep_plugin_template._softmax import SoftmaxRegressionClassifier

__all__ = ["SoftmaxRegressionClassifier"]
__version__ = "0.1.0"
