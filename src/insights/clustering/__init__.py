"""Behavioural clusters: k-means on scaled features, readable profiles, stability."""

from insights.clustering.clusters import (  # noqa: F401
    ClusterResult,
    PreparedFeatures,
    build_clusters,
    prepare_features,
    profile_clusters,
)
