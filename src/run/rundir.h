/* rundir.h - a run's directory (module-private to run/: training uses it; rm_run_dir_state, the lock
 * file's name and the classification are public in rm_train.h). */
#ifndef RM_RUNDIR_H
#define RM_RUNDIR_H

#include "rm_common.h"

/* A resumed run may change training.epochs, and threads and output.checkpoint_every, which cannot
 * change a result; saved and now are resolved config texts, where names the state file in messages. */
int rm_rundir_same_config(const char *saved, const char *now, const char *where, rm_err *e);

/* A fresh run may use dir only if it holds no other run's files; force removes them (every file of
 * the run's list, event files, weight images and eval files included). */
int rm_rundir_claim(const char *dir, const char *config_text, int force, rm_err *e);

/* Hold a write lock on dir/RM_LOCK_FILE for the life of the process: a second run in the same dir
 * fails at once. Returns the descriptor (closing it releases the lock), or -1 with an error. */
int rm_rundir_lock(const char *dir, rm_err *e);

/* Keep the header and the rows of epochs 1..epoch of a per-epoch CSV, refusing a row that is not the
 * next epoch's; rows_per_epoch > 0 also checks that the file holds all of them. */
int rm_rundir_truncate_csv(const char *path, int epoch, int rows_per_epoch, rm_err *e);

/* Remove from a resolved config (JSON object) the keys that cannot change a result: output.dir (where
 * the run lives), output.checkpoint_every (how often it saves) and threads. One list for the model
 * file's config and for what a resume may change. */
struct cJSON;
void rm_rundir_drop_place_and_pace(struct cJSON *config);

/* Remove "<file>.tmp.<pid>" files a killed process left in dir. */
void rm_rundir_remove_temps(const char *dir);

#endif
