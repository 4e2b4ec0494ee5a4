// SPDX-License-Identifier: GPL-2.0
/*
 * Unit test of the predictor (mod/predict.c, built here as it is): the
 * cases of the scheduler selftest on synthetic traces, exactly and fast.
 */
#include <stdlib.h>

#include "predict.h"
#include "kselftest_harness.h"

#define MS		1000000ULL
#define US		1000ULL
#define TOLERANCE	(2 * MS)
#define MIN_IDLE	(1 * MS)

/* A deterministic generator: the same trace on every run. */
static u64 lcg(u64 *state)
{
	*state = *state * 6364136223846793005ULL + 1442695040888963407ULL;
	return *state >> 33;
}

/* Uniform in [lo, hi]. */
static u64 uniform(u64 *state, u64 lo, u64 hi)
{
	return lo + lcg(state) % (hi - lo + 1);
}

FIXTURE(predict) {
	struct vmpool_predictor p;
	u64 now;
};

FIXTURE_SETUP(predict)
{
	vmpool_predict_init(&self->p, TOLERANCE, MIN_IDLE);
	self->now = 1000 * MS;
}

FIXTURE_TEARDOWN(predict)
{
}

/*
 * Run for @active, then sleep for @idle, with a wake-up timer armed to
 * expire @timer after the stop (0: none).
 */
static void period_timer(struct vmpool_predictor *p, u64 *now, u64 active,
			 u64 idle, u64 timer)
{
	vmpool_predict_start(p, *now);
	*now += active;
	vmpool_predict_stop(p, *now, timer ? *now + timer : 0);
	*now += idle;
}

/* Run for @active, then sleep for @idle, woken by an event. */
static void period(struct vmpool_predictor *p, u64 *now, u64 active, u64 idle)
{
	period_timer(p, now, active, idle, 0);
}

/* Busy 20 ms, sleep 80 ms: every prediction after the first few hits. */
TEST_F(predict, periodic_thread)
{
	struct vmpool_predict_score *s = &self->p.score;
	int i;

	for (i = 0; i < 50; i++)
		period(&self->p, &self->now, 20 * MS, 80 * MS);
	vmpool_predict_start(&self->p, self->now);

	EXPECT_EQ(50, s->activations);
	/* The first VMPOOL_PREDICT_MIN periods make no prediction. */
	EXPECT_EQ(50 - VMPOOL_PREDICT_MIN, s->predictions);
	EXPECT_EQ(s->predictions, s->hits);
	EXPECT_EQ(s->predictions, s->confident_hits);
	EXPECT_EQ(0, s->abs_error_ns);
	EXPECT_EQ(s->predictions * 80 * MS, s->lead_ns);
	EXPECT_EQ(50 * 20 * MS, s->active_ns);
	EXPECT_EQ(50 * 80 * MS, s->idle_ns);
	EXPECT_EQ(VMPOOL_PREDICT_CONF_MAX, self->p.confidence);
	EXPECT_EQ(20 * MS, self->p.next_len);
}

/* The same thread with +-0.5 ms of jitter on both periods. */
TEST_F(predict, periodic_thread_with_jitter)
{
	struct vmpool_predict_score *s = &self->p.score;
	u64 seed = 1;
	int i;

	for (i = 0; i < 200; i++)
		period(&self->p, &self->now,
		       uniform(&seed, 19500 * US, 20500 * US),
		       uniform(&seed, 79500 * US, 80500 * US));
	vmpool_predict_start(&self->p, self->now);

	EXPECT_EQ(200 - VMPOOL_PREDICT_MIN, s->predictions);
	EXPECT_LE(s->predictions * 90 / 100, s->hits);
	EXPECT_LT(s->abs_error_ns / s->predictions, 1 * MS);
	EXPECT_LE(VMPOOL_PREDICT_CONF_MAX * 9 / 10, self->p.confidence);
}

/* One stall of 500 ms in ten moves neither median: the others still hit. */
TEST_F(predict, outliers_do_not_move_the_prediction)
{
	struct vmpool_predict_score *s = &self->p.score;
	int i;

	for (i = 0; i < 100; i++)
		period(&self->p, &self->now, 20 * MS,
		       i % 10 == 9 ? 500 * MS : 80 * MS);
	vmpool_predict_start(&self->p, self->now);

	/* Only the ten stalls (and the first predictions) miss. */
	EXPECT_LE(s->predictions - 10, s->hits);
	EXPECT_EQ(VMPOOL_PREDICT_IDLE, self->p.basis);
	/* About one in ten remembered periods is a stall. */
	EXPECT_LE(VMPOOL_PREDICT_CONF_MAX * 8 / 10, self->p.confidence);
}

/* Random sleeps between 10 and 150 ms: little confidence, rightly. */
TEST_F(predict, random_sleeper_gets_low_confidence)
{
	struct vmpool_predict_score *s = &self->p.score;
	u64 seed = 7, confidence = 0;
	int i;

	for (i = 0; i < 200; i++) {
		period(&self->p, &self->now, uniform(&seed, 1 * MS, 30 * MS),
		       uniform(&seed, 10 * MS, 150 * MS));
		confidence += self->p.confidence;
	}
	vmpool_predict_start(&self->p, self->now);

	EXPECT_LT(confidence / 200, VMPOOL_PREDICT_CONF_MAX / 5);
	EXPECT_EQ(0, s->confident);
	EXPECT_LT(s->hits, s->predictions / 5);
}

/*
 * A thread that wakes every 100 ms on the clock but runs 10 to 40 ms: the
 * idle periods vary, the cycle does not, and the cycle rule is chosen.
 */
TEST_F(predict, fixed_rate_thread_uses_the_cycle)
{
	struct vmpool_predict_score *s = &self->p.score;
	u64 seed = 3, start = self->now, active;
	int i;

	for (i = 0; i < 100; i++) {
		active = uniform(&seed, 10 * MS, 40 * MS);
		vmpool_predict_start(&self->p, start);
		vmpool_predict_stop(&self->p, start + active, 0);
		start += 100 * MS;
	}
	vmpool_predict_start(&self->p, start);

	EXPECT_EQ(VMPOOL_PREDICT_CYCLE, self->p.basis);
	EXPECT_EQ(s->predictions, s->hits);
	EXPECT_EQ(100 - VMPOOL_PREDICT_MIN, s->predictions);
	EXPECT_EQ(VMPOOL_PREDICT_CONF_MAX, self->p.confidence);
}

/* Pauses under the minimum (preemption) do not split an active period. */
TEST_F(predict, short_pauses_do_not_end_a_period)
{
	struct vmpool_predict_score *s = &self->p.score;
	int i, j;

	for (i = 0; i < 30; i++) {
		/* 20 ms of work in four pieces, 200 us apart. */
		for (j = 0; j < 4; j++)
			period(&self->p, &self->now, 5 * MS,
			       j < 3 ? 200 * US : 80 * MS);
	}
	vmpool_predict_start(&self->p, self->now);

	EXPECT_EQ(30, s->activations);
	EXPECT_EQ(s->predictions, s->hits);
	/* 20 ms of work and the three pauses inside it. */
	EXPECT_EQ(20 * MS + 600 * US, self->p.next_len);
}

/*
 * Random sleeps between 10 and 150 ms, each on a timer that wakes the
 * thread 50 us after it expires: history cannot predict them, the timer
 * can, and it is chosen and trusted.
 */
TEST_F(predict, timer_sleeper_is_predicted_by_its_timer)
{
	struct vmpool_predict_score *s = &self->p.score;
	u64 seed = 7, idle;
	int i;

	for (i = 0; i < 200; i++) {
		idle = uniform(&seed, 10 * MS, 150 * MS);
		period_timer(&self->p, &self->now,
			     uniform(&seed, 1 * MS, 30 * MS), idle + 50 * US,
			     idle);
	}
	vmpool_predict_start(&self->p, self->now);

	EXPECT_EQ(VMPOOL_PREDICT_TIMER, self->p.basis);
	EXPECT_EQ(VMPOOL_PREDICT_CONF_MAX, self->p.confidence);
	EXPECT_EQ(200, s->rule_predictions[VMPOOL_PREDICT_TIMER]);
	EXPECT_EQ(200, s->rule_hits[VMPOOL_PREDICT_TIMER]);
	EXPECT_LT(s->rule_hits[VMPOOL_PREDICT_IDLE],
		  s->rule_predictions[VMPOOL_PREDICT_IDLE] / 5);
	/* Only the first predictions, before the timer had a record, miss. */
	EXPECT_LE(s->predictions - 2, s->hits);
	EXPECT_LT(s->abs_error_ns / s->predictions, 1 * MS);
}

/*
 * A thread woken by an event every 80 ms, though it armed a 500 ms
 * time-out: the timer is always late, history is right and is chosen.
 */
TEST_F(predict, events_before_the_timer_keep_history)
{
	struct vmpool_predict_score *s = &self->p.score;
	int i;

	for (i = 0; i < 50; i++)
		period_timer(&self->p, &self->now, 20 * MS, 80 * MS, 500 * MS);
	vmpool_predict_start(&self->p, self->now);

	EXPECT_EQ(VMPOOL_PREDICT_IDLE, self->p.basis);
	EXPECT_EQ(0, s->rule_hits[VMPOOL_PREDICT_TIMER]);
	EXPECT_EQ(50, s->rule_predictions[VMPOOL_PREDICT_TIMER]);
	EXPECT_EQ(s->predictions, s->hits);
}

/*
 * Half the sleeps end on their timer, half earlier on an event at random:
 * neither rule is right often enough to be trusted.
 */
TEST_F(predict, timer_and_random_events_get_low_confidence)
{
	struct vmpool_predict_score *s = &self->p.score;
	u64 seed = 11, timer, idle;
	int i;

	for (i = 0; i < 200; i++) {
		timer = uniform(&seed, 10 * MS, 150 * MS);
		idle = lcg(&seed) & 1 ? timer : uniform(&seed, 1 * MS, timer);
		period_timer(&self->p, &self->now, 5 * MS, idle, timer);
	}
	vmpool_predict_start(&self->p, self->now);

	EXPECT_LT(s->confident_hits * 10, s->confident * 9 + 10);
	EXPECT_GE(VMPOOL_PREDICT_CONF_MAX * 3 / 4, self->p.confidence);
}

/* Too little history: no prediction, and nothing scored. */
TEST_F(predict, no_prediction_without_history)
{
	int i;

	for (i = 0; i < VMPOOL_PREDICT_MIN; i++) {
		period(&self->p, &self->now, 20 * MS, 80 * MS);
		EXPECT_EQ(VMPOOL_PREDICT_NONE, self->p.basis);
		EXPECT_FALSE(self->p.pending);
	}
	EXPECT_EQ(0, self->p.score.predictions);
	vmpool_predict_start(&self->p, self->now);
	vmpool_predict_stop(&self->p, self->now + 20 * MS, 0);
	EXPECT_TRUE(self->p.pending);
	EXPECT_EQ(self->now + 100 * MS, self->p.next_start);
}

TEST_HARNESS_MAIN
