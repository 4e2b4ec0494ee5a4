/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmpool: predicting when a VM runs next, from when it ran before and
 * from the timers its threads sleep on.
 *
 * Pure logic over a history of active and idle periods: no locks, no
 * allocation, no kernel services.  The caller feeds it the times at which
 * the VM started and stopped running and serialises the calls.  The same
 * file builds in the kernel and in the userspace unit test
 * (selftests/unit/predict_test.c).
 */
#ifndef _VMPOOL_PREDICT_H
#define _VMPOOL_PREDICT_H

#include <linux/types.h>

/* Periods remembered per VM. */
#define VMPOOL_PREDICT_HISTORY	16
/* Periods needed before a prediction is made at all. */
#define VMPOOL_PREDICT_MIN	3
/* Confidence is in thousandths. */
#define VMPOOL_PREDICT_CONF_MAX	1000

/**
 * enum vmpool_predict_basis - what the last prediction was made from
 * @VMPOOL_PREDICT_NONE: no prediction (too little history).
 * @VMPOOL_PREDICT_IDLE: the end of the last active period plus the typical
 *	idle period (threads that sleep for a fixed time).
 * @VMPOOL_PREDICT_CYCLE: the start of the last active period plus the
 *	typical cycle (threads that wake at fixed times).
 * @VMPOOL_PREDICT_TIMER: the earliest timer the VM's threads armed to wake
 *	up (a sleep, a timed wait, a vCPU's timer).
 * @VMPOOL_PREDICT_RULES: the number of rules, plus one.
 */
enum vmpool_predict_basis {
	VMPOOL_PREDICT_NONE = 0,	/* VMPOOL_BASIS_* in the uapi */
	VMPOOL_PREDICT_IDLE = 1,
	VMPOOL_PREDICT_CYCLE = 2,
	VMPOOL_PREDICT_TIMER = 3,
	VMPOOL_PREDICT_RULES,
};

/**
 * struct vmpool_predict_score - how good the predictions were
 * @activations: idle periods that ended (the VM started running again).
 * @predictions: of those, how many had a prediction to score.
 * @hits: predictions whose start was within the tolerance.
 * @confident: predictions made with at least half the full confidence.
 * @confident_hits: of those, how many hit.
 * @abs_error_ns: sum of |actual start - predicted start| over @predictions.
 * @lead_ns: sum over @predictions of the time between the prediction and
 *	the activation it predicted.
 * @active_ns: time spent in finished active periods.
 * @idle_ns: time spent in finished idle periods.
 * @rule_predictions: per rule (&enum vmpool_predict_basis), the
 *	activations it had a start for, whether or not it was chosen.
 * @rule_hits: per rule, how many of those were within the tolerance.
 */
struct vmpool_predict_score {
	u64 activations;
	u64 predictions;
	u64 hits;
	u64 confident;
	u64 confident_hits;
	u64 abs_error_ns;
	u64 lead_ns;
	u64 active_ns;
	u64 idle_ns;
	u64 rule_predictions[VMPOOL_PREDICT_RULES];
	u64 rule_hits[VMPOOL_PREDICT_RULES];
};

/**
 * struct vmpool_predictor - one VM's history and its prediction
 * @tolerance_ns: a prediction within this of the real start is a hit;
 *	also the margin the confidence is measured with.
 * @min_idle_ns: a pause shorter than this does not end an active period
 *	(a preempted thread, a short lock wait).
 * @active: the VM is running.
 * @started: the VM has run at least once (@active_start is valid).
 * @active_start: when the current, or last, active period started.
 * @stop: when the VM last stopped running.
 * @count: periods in the history, at most %VMPOOL_PREDICT_HISTORY.
 * @next: where the next period goes in the rings.
 * @active_len: ring of active period lengths.
 * @idle_len: ring of idle period lengths.
 * @cycle_len: ring of start-to-start lengths.
 * @timer_hit: ring: whether the timer rule gave a start within the
 *	tolerance for that period.
 * @rule_start: the start each rule gave when the VM last stopped, 0 for
 *	none; indexed by &enum vmpool_predict_basis.
 * @pending: a prediction waits for the activation it predicts.
 * @basis: the &enum vmpool_predict_basis of the last prediction.
 * @issued: when it was made.
 * @next_start: predicted start of the next active period.
 * @next_len: predicted length of that period.
 * @confidence: in thousandths: the share of the remembered periods that
 *	the rule used would have predicted within @tolerance_ns.
 * @score: how the predictions fared.
 */
struct vmpool_predictor {
	u64 tolerance_ns;
	u64 min_idle_ns;
	bool active;
	bool started;
	u64 active_start;
	u64 stop;
	unsigned int count;
	unsigned int next;
	u64 active_len[VMPOOL_PREDICT_HISTORY];
	u64 idle_len[VMPOOL_PREDICT_HISTORY];
	u64 cycle_len[VMPOOL_PREDICT_HISTORY];
	bool timer_hit[VMPOOL_PREDICT_HISTORY];
	u64 rule_start[VMPOOL_PREDICT_RULES];
	bool pending;
	u32 basis;
	u64 issued;
	u64 next_start;
	u64 next_len;
	u32 confidence;
	struct vmpool_predict_score score;
};

void vmpool_predict_init(struct vmpool_predictor *p, u64 tolerance_ns,
			 u64 min_idle_ns);
void vmpool_predict_start(struct vmpool_predictor *p, u64 now);
void vmpool_predict_stop(struct vmpool_predictor *p, u64 now, u64 timer);

#endif /* _VMPOOL_PREDICT_H */
