// What `model-studio --help` prints: every command and option.

export const USAGE = `Usage:
  model-studio train    <model-file> [--epochs N] [--backend auto|tensorflow|webgpu|wasm|cpu] [--threads N] [--out DIR] [--json]
  model-studio train    --resume <run-dir> [--backend B] [--threads N] [--json]
  model-studio train    <model-file> --continue <run-dir> [--epochs N] [--backend B] [--threads N] [--json]
  model-studio info     <model-file> [--json]
  model-studio validate <model-file> [--json]
  model-studio evaluate <model-file|run-dir> [--data FILE] [--backend B] [--json]
  model-studio predict  <run-dir> --input FILE [--backend B] [--json]
  model-studio export   <model-file|run-dir> --out DIR [--quantize float16|uint16|uint8] [--backend B] [--json]
  model-studio explain  <model-file|run-dir> [--method saliency|gradcam|importance] [--rows 1,7,42] [--data FILE] [--backend B] [--json]
  model-studio sweep    <model-file> [--trials N] [--parallel K] [--backend B] [--threads N] [--json]
  model-studio sweep    --resume <sweep-dir> [--parallel K] [--backend B] [--threads N] [--json]
  model-studio train    <model-file> --on slurm [--partition P] [--time T] [--gpus N] [--epochs N] [--backend B] [--wait] [--json]
  model-studio train    --resume <run-dir> --on slurm [--partition P] [--time T] [--gpus N] [--wait] [--json]
  model-studio sweep    <model-file> --on slurm [--partition P] [--time T] [--gpus N] [--trials N] [--parallel K] [--wait] [--json]
  model-studio sweep    --resume <sweep-dir> --on slurm [--parallel K] [--wait] [--json]
  model-studio init     <data> [--label COLUMN] [--task classification|regression] [--labels FILE] [--out FILE] [--json]
  model-studio runs     [<folder>] [--json]

  init          write a baseline model file (*.model.yaml) for a table (.csv, .json, .jsonl), an image folder or
                IDX images (--labels FILE: their labels file) and print its path; never overwrites
  --label COL   init: the label column (default: a column named label, target, class, y, species…, else the last)
  --task T      init: classification or regression (default: text or few whole-number labels are classes)
  --epochs N    train for N epochs instead of training.epochs
  --resume DIR  train: continue the stopped run in DIR from its last checkpoint to its planned epochs,
                with the spec it started with (its spec.json), appending to its metrics;
                sweep: continue the stopped (or dead) sweep in DIR: finished trials kept, stopped ones resumed
  --continue DIR
                train: a new run (next to DIR) from the finished or stopped run DIR's last checkpoint (weights and
                optimizer state) with the model file's current training settings, for training.epochs (or N) more
                epochs; its run.json records parent {id, epochs}; the model's layers must be unchanged
  --backend B   TF.js backend (default auto: the first of tensorflow, webgpu (hardware GPU only), wasm, cpu that loads;
                the native backend from MODEL_STUDIO_NATIVE_DIR when set)
  --threads N   train, sweep: threads per trainer for the wasm backend, 1-8 (default: the cores this process may use;
                a sweep shares them between its parallel trials); other backends pick their own
  --out DIR     train: put the run folder in DIR (default: .modelstudio/runs next to the model file);
                export: the folder for model.json, weights.bin and keras-topology.json
  --quantize Q  export: store the weights as float16 (half the bytes), uint16 (half) or uint8 (a quarter; 256 levels
                per weight, min + scale · q), which tf.loadLayersModel reads back; every export reports its size
                and its test metric next to the float32 model's
  --data FILE   evaluate (explain) on FILE (same columns as the training data; IDX images; an image folder)
                instead of the run's test data; a model file means its newest finished run
  --method M    explain: saliency (default for images: |gradient| of the predicted class's score per pixel), gradcam (the last
                convolution layer's activations weighed by their gradients) or importance (tables, the default: the test
                metric's drop when a column is shuffled, mean ± std over 5 shuffles)
  --rows LIST   explain: the examples (0-based positions in the evaluated data, as the evaluation's worst predictions
                give them), e.g. 1,7,42; default: the 20 worst predictions
  --input FILE  the examples to predict (CSV / JSON / JSON Lines with the feature columns, or IDX images;
                a text model: the text column, as raw text)
  --trials N    sweep: run N trials instead of search.trials
  --parallel K  sweep: K trainer processes at once instead of search.parallel (default: the cores, within free memory)
  --on slurm    submit to the Slurm cluster with sbatch instead of training here (a sweep: one job array, at most K
                tasks at once); other settings come from modelStudio.slurm.* in the workspace's .vscode/settings.json
  --partition P, --time T, --gpus N
                Slurm partition, time limit (e.g. 02:00:00) and GPUs per job (--gres=gpu:N), over the settings
  --wait        follow the job(s) to their end (live epochs, Slurm's reasons) and end as a local run or sweep does;
                without it, print the job id and run folder(s) and exit
  runs          list every run under the folder (default: the current one; each model file's runs and its sweeps'
                trials, newest first) with status, start, duration, backend, the hyperparameters that differ and the
                final and best metrics; --json: one {"type":"run",...} per run (every hyperparameter and metric)
  --json        one JSON object per line on stdout; the last is {"type":"result",...}

Exit status: 0 success, 1 training or data error, 2 bad usage, 130 training stopped with Ctrl+C.`;
