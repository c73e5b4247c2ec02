"""Hook implementations: what this plugin adds to skdeep."""

import skdeep


@skdeep.hookimpl
def register_estimators(register):
    from skdeep_plugin_template import SoftmaxRegressionClassifier

    register(SoftmaxRegressionClassifier)
