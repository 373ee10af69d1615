"""The Image Registry Operator: reconciles configs.imageregistry.operator.openshift.io/cluster."""
