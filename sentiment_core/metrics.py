"""What a test set says about a model, from its probabilities (any model kind; no Keras)."""

from __future__ import annotations

import numpy as np


def evaluate_probabilities(probabilities: np.ndarray, data) -> dict:
    """Accuracy, loss, confusion matrix, per-class precision/recall and the most confident mistakes."""
    from sklearn.metrics import accuracy_score, classification_report, confusion_matrix, log_loss

    predicted = probabilities.argmax(axis=1)
    labels = list(range(len(data.class_names)))
    report = classification_report(
        data.labels, predicted, labels=labels, target_names=list(data.class_names), output_dict=True, zero_division=0
    )
    wrong = np.flatnonzero(predicted != data.labels)
    # The most confident mistakes are the instructive ones.
    wrong = wrong[np.argsort(-probabilities[wrong, predicted[wrong]])][:10]
    return {
        "test_accuracy": float(accuracy_score(data.labels, predicted)),
        "test_loss": float(log_loss(data.labels, np.clip(probabilities, 1e-7, 1.0), labels=labels)),
        "test_size": len(data),
        "confusion_matrix": confusion_matrix(data.labels, predicted, labels=labels).tolist(),
        "per_class": {name: {k: float(v) for k, v in report[name].items()} for name in data.class_names},
        "misclassified": [
            {
                "text": data.texts[i][:1000],
                "true": data.class_names[data.labels[i]],
                "predicted": data.class_names[predicted[i]],
                "confidence": float(probabilities[i, predicted[i]]),
            }
            for i in wrong
        ],
    }


