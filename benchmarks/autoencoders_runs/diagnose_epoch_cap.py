"""Round-3 diagnosis for benchmarks/autoencoders.py (odds_loo), TRAINING parts only.

Every number uses X_tr, y_tr of the benchmark's splits (seeds 0-2); no test
part is touched. train_auc: AUC of the training rows' own scores; cv_auc:
stratified 4-fold CV inside the training part, AUC of the pooled out-of-fold
scores. Configurations pass max_epochs explicitly, so the library default does
not enter. Run from the repository root (appends to diagnose_epoch_cap.jsonl):

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/autoencoders_runs/diagnose_epoch_cap.py \
        lympho [config,config,...]
    .venv/bin/python benchmarks/autoencoders_runs/diagnose_epoch_cap.py --table
"""

# Authors: The skdeep developers
# SPDX-License-Identifier: BSD-3-Clause

import sys, time, json, os; sys.path.insert(0,'benchmarks')
from pathlib import Path
import numpy as np, torch, warnings
warnings.filterwarnings("ignore")
torch.set_num_threads(1)
from autoencoders import load_odds
from skdeep.autoencoder import AutoencoderOutlierDetector
from skdeep.autoencoder._outlier import AUTO_MAX_EPOCHS
from skdeep.utils._training import auto_epochs
from sklearn.model_selection import train_test_split, StratifiedKFold
from sklearn.preprocessing import StandardScaler
from sklearn.metrics import roc_auc_score

def mk(trim=0.2, steps=1000, cap=None, nets=1, **kw):
    def fit_score(X_fit, X_eval, seed):
        n = len(X_fit)
        # (the detector's cap, now an argument)
        ep = auto_epochs(n, 64, steps, max_epochs=AUTO_MAX_EPOCHS)
        if cap: ep = min(ep, cap)
        s = 0
        for k in range(nets):
            m = AutoencoderOutlierDetector(trim=trim, max_epochs=ep, random_state=seed*100+k, contamination=0.05, **kw).fit(X_fit)
            s = s + (-m.score_samples(X_eval))
        return s
    return fit_score

CONFIGS = {
  "shipped_t20_s1000": mk(),
  "t00_s1000": mk(trim=0.0),
  "t00_s3000": mk(trim=0.0, steps=3000),
  "t20_s300": mk(steps=300),
  "t20_cap50ep": mk(cap=50),
  "t20_s1000_x3": mk(nets=3),
  "t20_cap100ep": mk(cap=100),
  "t20_cap20ep": mk(cap=20),
  "t20_s1000_wd1e-3": mk(weight_decay=1e-3),
  "t20_s1000_seedB": None,
  "pyod_ae": "pyod",
  "znorm": "znorm",
}
def _pyod(X_fit, X_eval, seed):
    from pyod.models.auto_encoder import AutoEncoder
    m = AutoEncoder(contamination=0.05, random_state=seed, verbose=0).fit(X_fit)
    return m.decision_function(X_eval)
def _znorm(X_fit, X_eval, seed):
    mu, sd = X_fit.mean(0), X_fit.std(0); sd[sd == 0] = 1
    return (((X_eval - mu) / sd) ** 2).mean(1)
def _seedB(X_fit, X_eval, seed):
    return mk()(X_fit, X_eval, seed + 7)
CONFIGS["pyod_ae"] = _pyod; CONFIGS["znorm"] = _znorm; CONFIGS["t20_s1000_seedB"] = _seedB
OUT = Path(__file__).resolve().parent / "diagnose_epoch_cap.jsonl"
if sys.argv[1] == "--table":
    import collections
    recs = [json.loads(line) for line in OUT.read_text().splitlines() if line.strip()]
    d = collections.defaultdict(dict)
    for r in recs:
        d[(r["set"], r["cfg"])][r["seed"]] = r["cv_auc"]
    names = list(dict.fromkeys(r["set"] for r in recs))
    cfgs = list(dict.fromkeys(r["cfg"] for r in recs))
    print("| set | " + " | ".join(cfgs) + " |\n|---|" + "---|" * len(cfgs))
    for n in names:
        print(f"| {n} | " + " | ".join(
            f"{np.mean(list(d[(n, c)].values())):.3f}" if len(d.get((n, c), {})) == 3
            else "" for c in cfgs) + " |")
    sys.exit()
sets = sys.argv[1].split(",")
cfgs = sys.argv[2].split(",") if len(sys.argv) > 2 else list(CONFIGS)
out = open(OUT, "a")
for name in sets:
    X,y=load_odds(name)
    for seed in range(3):
        X_tr, _, y_tr, _ = train_test_split(X, y, test_size=0.4, stratify=y, random_state=seed)
        X_tr=StandardScaler().fit_transform(X_tr)
        for c in cfgs:
            f = CONFIGS[c]; t=time.time()
            tr_auc = roc_auc_score(y_tr, f(X_tr, X_tr, seed))
            # within-training-part CV: 4 stratified folds, pooled out-of-fold scores
            oof = np.zeros(len(X_tr)); fold_aucs=[]
            for k,(a,b) in enumerate(StratifiedKFold(4, shuffle=True, random_state=seed).split(X_tr,y_tr)):
                oof[b] = f(X_tr[a], X_tr[b], seed+10*k)
                fold_aucs.append(roc_auc_score(y_tr[b], oof[b]))
            cv_auc = roc_auc_score(y_tr, oof)
            rec=dict(set=name, seed=seed, cfg=c, train_auc=tr_auc, cv_auc=cv_auc, cv_fold_mean=float(np.mean(fold_aucs)), s=time.time()-t, load=os.getloadavg()[0])
            out.write(json.dumps(rec)+"\n"); out.flush()
            print(f"{name:10s} {seed} {c:20s} train={tr_auc:.3f} cvpool={cv_auc:.3f} cvfold={np.mean(fold_aucs):.3f} {rec['s']:.0f}s", flush=True)
