"""What the manifest tools (check_manifests, mesh_model, render_all, the fake kubectl)
share about Kubernetes objects: reading rendered output, and label selector expressions.
python3 stdlib only."""
import json


def load_stream(text):
    """The objects in TEXT: one or more JSON documents back to back (what
    `kubectl kustomize | kubectl ... -o json` prints), a List unwrapped into its items."""
    dec, i, out = json.JSONDecoder(), 0, []
    while True:
        while i < len(text) and text[i].isspace():
            i += 1
        if i >= len(text):
            return out
        obj, i = dec.raw_decode(text, i)
        out.extend(obj.get("items", []) if obj.get("kind") == "List" else [obj])


def expr_holds(key, op, values, labels):
    """Whether LABELS satisfy one matchExpressions entry; None for an operator
    Kubernetes does not have (the caller decides whether that is an error)."""
    if op == "In":
        return labels.get(key) in values
    if op == "NotIn":
        return labels.get(key) not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    return None
