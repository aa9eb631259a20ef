"""mlcheck's workload kits for the node's own frameworks: one module per framework
(pytorch/, tensorflow/), one file per workload. Each kit's run(ctx) computes and returns plain
data; mlcheck turns it into metrics, judges them and reports."""
