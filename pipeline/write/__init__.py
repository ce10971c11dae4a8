"""The top stage: values → .xlsx (style, layout, sheet writers, the filing, the report, the
branch templates, atomic write). Depends only on the model, the contract, config and
normalisation — never on consolidation code."""
