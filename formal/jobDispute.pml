/*
 * formal/jobDispute.pml: one job of JobRegistry through its auction, execution, challenge window and
 * disputes, with the committee path, `forceGame` and the bisection game of docs/dispute-game.md, for
 * spin (scripts/checkModels.ts runs every configuration; docs/formal-checks.md states what is proven).
 *
 * One process interleaves every actor's actions; each `::` option of the main loop is one transaction
 * (atomic), labelled with who sends it: the consumer, the provider P, a rival bidder R, the challenger,
 * the committee, anyone (deadline actions), or time (a tick: one unit of time passes; any number of
 * transactions may share a tick). Honesty is a parameter. A dishonest actor may send any transaction the
 * contracts accept, at any time, or nothing. An honest actor follows the protocol and sends its
 * transactions in time (the honest party's theorem's conditions 1 and 2): time does not run out on it.
 *
 * Abstractions (what is NOT modelled):
 * - One job, one challenger address (it may challenge up to MAXCH times), one rival bidder.
 * - Amounts are small integers. The token is the one ERC-20 of escrow, stake and bonds.
 * - A state commitment is abstracted to one bit, "true" (the engine's true state at its position) or
 *   "false" (anything else). The one-step execution from a true pre-state yields the true post-state;
 *   from a false pre-state its result is arbitrary (nondeterministic), as is whether anyone can open it.
 * - Unit counts (steps in the segment, operators in a step, instructions in an operator) are chosen
 *   nondeterministically in 1..MAXU at each descent, so every program shape within the bound is covered;
 *   the count is proven to the chain, so neither side can lie about it.
 * - The committee is arbitrary: drawn or not, and when drawn it may sign either verdict or none.
 * - A dispute of the result as published (`challengeResult`: availability, which no game replays) draws no
 *   committee on a job that commits a program, as this one does: it ends when the result is published on-chain
 *   (the trace and the last checkpoint, abstracted to one transaction, which anyone holding the data may send)
 *   before the deadline, or finds the provider wrong after it (docs/dispute-game.md §5).
 * - The VRF draw, signatures, Merkle proofs, gas and the L2's inclusion are not modelled; slashing
 *   splits MINSTAKE into SHARE for the beneficiary and the rest for the treasury, and a lost challenge bond
 *   is split the same way (BONDSHARE to the accused, the rest to the treasury).
 */

/* ---------------- Parameters (override with spin -DNAME=value) ---------------- */
#ifndef HONEST_P
#define HONEST_P 0      /* 1: provider P follows the protocol: a true trace, every midpoint true, forceGame at once */
#endif
#ifndef HONEST_C
#define HONEST_C 0      /* 1: the challenger challenges only a wrong trace, always by game, chooses by the truth */
#endif
#ifndef MAXU
#define MAXU 3          /* units per range at every level: counts 1..MAXU */
#endif
#ifndef CLOCK
#define CLOCK 2         /* each side's game clock, in ticks */
#endif
#ifndef MAXCH
#define MAXCH 2         /* challenges the challenger may open on the job */
#endif
#ifndef RIVAL
#define RIVAL 1         /* 1: a second (arbitrary) bidder R competes in the auction */
#endif
#ifndef CDELAY
#define CDELAY 1        /* ticks after a challenge before a committee can sign (its draw); an honest
                           provider's forceGame lands within them. 0: a verdict may land at once */
#endif
#ifndef EMPTY_UNITS
#define EMPTY_UNITS 0   /* 1: a unit may hold 0 units of the next level; the game contract refuses that descent */
#endif
#define LAST_LEVEL 2    /* levels 0 (steps), 1 (operators), 2 (instructions) */
#define REWARD 2        /* the escrow; bids are 1..REWARD */
#define MINSTAKE 2      /* stake locked by the leading bid / the provider */
#define SHARE 1         /* the beneficiary's part of a slash of MINSTAKE; the treasury gets the rest */
#define MOVEBOND 2      /* a move at level l is bonded MOVEBOND*(l+1), paid with the side's first move there; the challenge bond is MOVEBOND */
#define BONDSHARE (MOVEBOND * SHARE / MINSTAKE) /* the accused's part of a lost challenge bond; the treasury gets the rest */
#define BIDP 1          /* bidding period, ticks */
#define EXECP 1         /* execution period, ticks */
#define WINDOW 2        /* challenge window, ticks */
#define VERDICTP 2      /* verdict period of a committee dispute, ticks */
#define STAKE0 2        /* each bidder's initial available stake */
#define WAL0 400        /* each party's initial wallet: more than all its bonds (asserted in check()) */

/* ---------------- State ---------------- */
#define P 0
#define R 1
#define NONE 2
#define BIDDING 1
#define ASSIGNED 2
#define SUBMITTED 3
#define DISPUTED 4
#define FINALIZED 5
#define CANCELLED 6
#define FAILED 7
#define NOMODE 0
#define COMMITTEE 1
#define GAME 2
#define PUBLISH 3       /* an availability dispute (challengeResult), answered by publication */

byte status, leader = NONE, price, rem, winRem, nch, pays;
bool correct, pSubmitted;
/* token holdings */
short cons, escrow, wal[2], avail[2], locked[2], chal, dBond, gBond, treas;
/* the open dispute */
byte mode, vEl;
bool formed;
/* the bisection game */
byte level, lo, hi, clkP, clkC, paid;   /* paid: bit l = the provider paid level l's bonds, bit 3+l = the challenger did */
bool pend, midT, loT, hiT, emptyUnit;

#define TOTAL (4 * WAL0 + 2 * STAKE0)   /* consumer, P, R and challenger wallets, P's and R's stake */
#define TERMINAL (status == FINALIZED || status == CANCELLED || status == FAILED)
#define PROV_HONEST (HONEST_P && leader == P)
#define PTURN (!pend && (hi - lo >= 2 || level < LAST_LEVEL))   /* the provider's turn in the game */
/* ceil(log2 n) for 1 <= n <= 8 (MAXU <= 8): the bisections of a range of n units */
#define CLOG2(n) ((n) > 4 -> 3 : ((n) > 2 -> 2 : ((n) > 1 -> 1 : 0)))
/* a side's bonds at the current level, due with its first move there while the range is still whole
   (BisectionGame.levelBond): the provider's bisections and its descent, the challenger's choices and its step */
#define PBIT (1 << level)
#define CBIT (1 << (LAST_LEVEL + 1 + level))
#define PBOND ((paid & PBIT) -> 0 : MOVEBOND * (level + 1) * (CLOG2(hi - lo) + (level < LAST_LEVEL -> 1 : 0)))
#define CBOND ((paid & CBIT) -> 0 : MOVEBOND * (level + 1) * (CLOG2(hi - lo) + (level == LAST_LEVEL -> 1 : 0)))
#define MID (lo + (hi - lo) / 2)
/* Truth bits matter only when a side of the game is honest. Between two arbitrary sides they are not
   tracked (kept 0), which makes the step's outcome free: a superset of the behaviours, sound for every
   property checked then (conservation, at most one payout, termination). */
#define TRUTH (PROV_HONEST || HONEST_C)
#define IN_COMMITTEE (status == DISPUTED && mode == COMMITTEE)
#define IN_GAME (status == DISPUTED && mode == GAME)
#define IN_PUBLISH (status == DISPUTED && mode == PUBLISH)

inline check() {
  /* conservation: escrow + bonds + stake + wallets is constant */
  assert(cons + escrow + wal[P] + avail[P] + locked[P] + wal[R] + avail[R] + locked[R] + chal + dBond + gBond + treas == TOTAL);
  /* a job pays out at most once, and the escrow is held exactly until it does */
  assert(pays <= 1);
  assert(escrow == (TERMINAL -> 0 : REWARD));
  assert(pays == (TERMINAL -> 1 : 0));
  /* the challenge bond is held exactly while a dispute is open; game bonds only during a game */
  assert(dBond == (status == DISPUTED -> MOVEBOND : 0));
  assert(mode == GAME || gBond == 0);
  /* only the leading bid / the provider has stake locked, and nothing stays locked after the end */
  assert(locked[P] == ((!TERMINAL && leader == P) -> MINSTAKE : 0));
  assert(locked[R] == ((!TERMINAL && leader == R) -> MINSTAKE : 0));
  /* the honest provider's stake is never slashed */
  assert(!HONEST_P || avail[P] + locked[P] == STAKE0);
  /* the game's invariants (dispute-game.md §1) */
  assert(!(PROV_HONEST && mode == GAME) || (loT && hiT && (!pend || midT)));
  assert(!(HONEST_C && mode == GAME) || (loT && !hiT));
  /* the model's wallets never limit a move: the side to move can always pay its next bond */
  assert(!IN_GAME || (PTURN -> wal[leader] >= PBOND : chal >= CBOND))
}

inline pick(x, a, b) {
  x = a;
  do
  :: x < b -> x++
  :: break
  od
}

inline unlockLeader() {
  if
  :: leader != NONE -> locked[leader] = locked[leader] - MINSTAKE; avail[leader] = avail[leader] + MINSTAKE
  :: else
  fi
}

/* JobRegistry._fail: the whole escrow back to the consumer; the provider slashed (challenger beneficiary) or unlocked */
inline failJob(slash) {
  if
  :: slash -> locked[leader] = locked[leader] - MINSTAKE; chal = chal + SHARE; treas = treas + MINSTAKE - SHARE
  :: else -> unlockLeader()
  fi;
  cons = cons + escrow; escrow = 0; pays++; status = FAILED
}

inline closeDispute() {
  mode = NOMODE; vEl = 0; formed = 0;
  level = 0; lo = 0; hi = 0; clkP = 0; clkC = 0; paid = 0; pend = 0; midT = 0; loT = 0; hiT = 0; emptyUnit = 0
}

/* ResultStands: the window resumes with the time it had left */
inline resume() {
  closeDispute(); status = SUBMITTED; rem = winRem; winRem = 0
}

/* Disputes opens a game (at a challenge by game, or at forceGame): level 0 over the disputed segment */
inline openGame() {
  mode = GAME; level = 0; lo = 0; pick(hi, 1, MAXU); pend = 0;
  if
  :: !TRUTH -> skip                         /* both sides arbitrary: truth bits stay 0, the step's outcome is free */
  :: TRUTH && correct -> loT = 1; hiT = 1   /* every hash of a true trace is true */
  :: TRUTH && !correct && HONEST_C -> loT = 1; hiT = 0  /* the first wrong checkpoint: j-1 true, j false */
  fi;                                       /* (an honest provider's trace is always true) */
  clkP = CLOCK; clkC = CLOCK; paid = 0      /* the challenge bond, held by Disputes, is move 0 */
}

/* a challenge lost: its bond split as a slash is, the accused's part and the treasury's */
inline bondLost() { wal[leader] = wal[leader] + BONDSHARE; treas = treas + dBond - BONDSHARE; dBond = 0 }

/* the game ends: every game bond of both sides to the winner, the challenge bond back or lost; Disputes resolves */
inline gameEnd(providerWon) {
  if
  :: providerWon -> wal[leader] = wal[leader] + gBond; gBond = 0; bondLost(); resume()
  :: else -> chal = chal + gBond + dBond; gBond = 0; dBond = 0; closeDispute(); failJob(1)
  fi
}

inline providerBond() { wal[leader] = wal[leader] - PBOND; gBond = gBond + PBOND; paid = paid | PBIT }
inline challengerBond() { chal = chal - CBOND; gBond = gBond + CBOND; paid = paid | CBIT }

inline bid(b) {
  if
  :: leader == NONE -> pick(np, 1, REWARD)
  :: else -> pick(np, 1, price - 1)
  fi;
  if
  :: leader != b ->
     avail[b] = avail[b] - MINSTAKE; locked[b] = locked[b] + MINSTAKE; unlockLeader()
  :: else
  fi;
  leader = b; price = np; np = 0
}

active proctype job() {
  byte np;
  bool agree, pw;
  wal[P] = WAL0; avail[P] = STAKE0; wal[R] = WAL0; avail[R] = STAKE0; chal = WAL0;
  /* the consumer posts the order, escrowing the reward */
  cons = WAL0 - REWARD; escrow = REWARD; status = BIDDING; rem = BIDP;
  check();
  do
  :: TERMINAL -> break

  /* ---- Bidding ---- */
  :: atomic { status == BIDDING && rem > 0 && (leader == P || avail[P] >= MINSTAKE) && (leader == NONE || price > 1) -> /* P: bid */
       bid(P); check() }
  :: atomic { RIVAL && status == BIDDING && rem > 0 && (leader == R || avail[R] >= MINSTAKE) && (leader == NONE || price > 1) -> /* R: bid */
       bid(R); check() }
  :: atomic { status == BIDDING -> /* consumer: cancel */
       unlockLeader(); cons = cons + escrow; escrow = 0; pays++; status = CANCELLED; check() }
  :: atomic { status == BIDDING && rem > 0 -> /* time: tick (bidding) */
       rem--; check() }
  :: atomic { status == BIDDING && rem == 0 -> /* anyone: settleAuction */
       if
       :: leader == NONE -> failJob(0)
       :: else -> status = ASSIGNED; rem = EXECP
       fi; check() }

  /* ---- Assigned ---- */
  :: atomic { status == ASSIGNED && rem > 0 -> /* provider: submitResult */
       if
       :: PROV_HONEST -> correct = 1
       :: !PROV_HONEST -> if :: correct = 1 :: correct = 0 fi
       fi;
       pSubmitted = (leader == P); status = SUBMITTED; rem = WINDOW; check() }
  :: atomic { status == ASSIGNED && rem > (PROV_HONEST -> 1 : 0) -> /* time: tick (execution) */
       rem--; check() }
  :: atomic { status == ASSIGNED && rem == 0 -> /* anyone: expire (provider slashed, consumer beneficiary) */
       locked[leader] = locked[leader] - MINSTAKE; cons = cons + SHARE; treas = treas + MINSTAKE - SHARE;
       leader = NONE; price = 0; status = BIDDING; rem = BIDP; check() }

  /* ---- Submitted: the challenge window ---- */
  :: atomic { status == SUBMITTED && rem == 0 -> /* anyone: finalize */
       unlockLeader(); wal[leader] = wal[leader] + price; cons = cons + REWARD - price; escrow = 0; pays++;
       status = FINALIZED; check() }
  :: atomic { status == SUBMITTED && rem > ((HONEST_C && !correct) -> 1 : 0) -> /* time: tick (window) */
       rem--; check() }
  :: atomic { status == SUBMITTED && rem > 0 && nch < MAXCH && (!HONEST_C || !correct) -> /* challenger: challenge */
       chal = chal - MOVEBOND; dBond = dBond + MOVEBOND; nch++; winRem = rem; rem = 0; status = DISPUTED;
       if
       :: openGame()                                              /* by game */
       :: !HONEST_C -> mode = COMMITTEE; vEl = 0; if :: formed = 1 :: formed = 0 fi   /* by committee */
       :: !HONEST_C -> mode = PUBLISH; vEl = 0                    /* challengeResult: no committee */
       fi; check() }

  /* ---- Disputed, committee path ---- */
  :: atomic { IN_COMMITTEE && vEl < VERDICTP && !(PROV_HONEST && vEl + 1 >= CDELAY) -> /* time: tick (verdict period) */
       vEl++; check() }
  :: atomic { IN_COMMITTEE && vEl < VERDICTP -> /* provider: forceGame */
       openGame(); check() }
  :: atomic { IN_COMMITTEE && formed && vEl >= CDELAY && vEl < VERDICTP -> /* committee: settle */
       if
       :: chal = chal + dBond; dBond = 0; closeDispute(); failJob(1)   /* providerWrong: bond back, provider slashed */
       :: bondLost(); resume()                                         /* challenger wrong: the bond lost */
       fi; check() }

  /* ---- Disputed, an availability dispute ---- */
  :: atomic { IN_PUBLISH && vEl < (PROV_HONEST -> VERDICTP - 1 : VERDICTP) -> /* time: tick (until the deadline) */
       vEl++; check() }
  :: atomic { IN_PUBLISH && vEl < VERDICTP -> /* provider (or anyone): publish the result on-chain: it stands */
       bondLost(); resume(); check() }
  :: atomic { IN_PUBLISH && vEl == VERDICTP -> /* anyone: Disputes.expire (ResultWithheld: silence loses) */
       chal = chal + dBond; dBond = 0; closeDispute(); failJob(1); check() }
  :: atomic { IN_COMMITTEE && vEl == VERDICTP -> /* anyone: Disputes.expire */
       chal = chal + dBond; dBond = 0;
       if
       :: formed -> resume()                                      /* Expired: the window resumes */
       :: else -> closeDispute(); failJob(0)                      /* NoCommittee: unpaid, unslashed */
       fi; check() }

  /* ---- Disputed, the bisection game ---- */
  :: atomic { IN_GAME && PTURN && hi - lo >= 2 && clkP > 0 && wal[leader] >= PBOND -> /* provider: bisect */
       providerBond(); pend = 1;
       if
       :: PROV_HONEST -> midT = 1
       :: !PROV_HONEST && TRUTH -> if :: midT = 0 :: midT = 1 fi
       :: !TRUTH -> skip
       fi; check() }
  :: atomic { IN_GAME && pend && clkC > 0 && chal >= CBOND -> /* challenger: choose */
       challengerBond();
       if
       :: HONEST_C -> agree = midT
       :: !HONEST_C -> if :: agree = 0 :: agree = 1 fi
       fi;
       if
       :: agree -> loT = midT; lo = MID
       :: else -> hiT = midT; hi = MID
       fi;
       pend = 0; midT = 0; agree = 0; check() }
  :: atomic { IN_GAME && !pend && hi - lo == 1 && level < LAST_LEVEL && !emptyUnit && clkP > 0 && wal[leader] >= PBOND -> /* provider: descend */
       if
       :: providerBond(); level++; lo = 0; pick(hi, 1, MAXU)
       :: EMPTY_UNITS -> emptyUnit = 1                            /* the unit is empty: the contract refuses */
       fi; check() }
  :: atomic { IN_GAME && !pend && hi - lo == 1 && level == LAST_LEVEL && clkC > 0 && chal >= CBOND -> /* challenger: step */
       assert(!HONEST_C || loT);                                  /* its witness can open hashLo */
       challengerBond();
       if
       :: loT -> pw = hiT                                         /* the true post-state vs hashHi */
       :: !loT -> if :: pw = 0 :: pw = 1 fi
       fi;
       gameEnd(pw); pw = 0; check() }
  :: atomic { IN_GAME && PTURN && clkP > ((PROV_HONEST && !emptyUnit) -> 1 : 0) -> /* time: tick (provider's clock) */
       clkP--; check() }
  :: atomic { IN_GAME && !PTURN && clkC > (HONEST_C -> 1 : 0) -> /* time: tick (challenger's clock) */
       clkC--; check() }
  :: atomic { IN_GAME && (PTURN -> clkP : clkC) == 0 -> /* anyone: timeout */
       gameEnd(!PTURN); check() }
  od;

  /* ---- End states ---- */
  assert(pays == 1 && escrow == 0 && dBond == 0 && gBond == 0 && locked[P] == 0 && locked[R] == 0);
  /* honest provider: stake whole, bonds back, and paid for a result it submitted */
  assert(!HONEST_P || (avail[P] == STAKE0 && wal[P] >= WAL0));
  assert(!(HONEST_P && pSubmitted) || (status == FINALIZED && wal[P] >= WAL0 + price));
  /* honest challenger: its bonds back; a wrong result is never paid */
  assert(!HONEST_C || chal >= WAL0);
  assert(!HONEST_C || status != FINALIZED || correct)
}
