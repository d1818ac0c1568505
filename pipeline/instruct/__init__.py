"""The instruct stage, as Qwen2-Math-Instruct was made: sample, grade, train a reward model, build rejection-sampled
SFT data; the SFT run itself is `mathcpt train` with `train.objective: sft`.

    mathcpt sample configs/instruct/sample_toy.yaml
    torchrun --standalone --nproc_per_node 2 -m pipeline.cli rm train configs/instruct/rm_toy.yaml
    mathcpt sft-data configs/instruct/sft_data_toy.yaml

A layer above the base stages (import-linter: cli → demo → instruct → data | train | eval | sample): it composes
them: the data recipe's decontamination and MinHash, the trainer, export, the shared generation backends, chat
format and grader.

* `problems`     problems with gold answers: read, gold checked (`ungradable` counted), decontaminated;
* `sampling`     `mathcpt sample`: k graded responses per problem, resumable chunks, pass@k report, RL queries;
* `reward_data`  groups of graded responses (or chosen/rejected pairs) for `mathcpt rm train`;
* `sft_data`     `mathcpt sft-data`: correct, ranked, deduplicated responses as loss-masked, bin-packed shards.
"""
