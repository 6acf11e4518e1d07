import { Address, BigInt } from "@graphprotocol/graph-ts";
import {
  StakeLocked,
  StakeSlashed,
  StakeUnlocked,
  Staked,
  UnbondingStarted,
  Withdrawn,
} from "../generated/StakeManager/StakeManager";
import { Account, Slash, StakeDeposit, StakeLock, StakeUnlock, UnbondingStart, Withdrawal } from "../generated/schema";
import { eventId, stamped } from "./history";

function loadAccount(address: Address): Account {
  let account = Account.load(address);
  if (account == null) {
    account = new Account(address);
    account.available = BigInt.zero();
    account.locked = BigInt.zero();
    account.unbonding = BigInt.zero();
    account.unbondingReadyAt = BigInt.zero();
    account.slashed = BigInt.zero();
  }
  return account;
}

export function handleStaked(event: Staked): void {
  let account = loadAccount(event.params.account);
  account.available = account.available.plus(event.params.amount);
  account.save();
  let deposit = stamped(new StakeDeposit(eventId(event)), event);
  deposit.account = event.params.account;
  deposit.amount = event.params.amount;
  deposit.save();
}

export function handleUnbondingStarted(event: UnbondingStarted): void {
  let account = loadAccount(event.params.account);
  account.available = account.available.minus(event.params.amount);
  account.unbonding = account.unbonding.plus(event.params.amount);
  account.unbondingReadyAt = event.params.readyAt;
  account.save();
  let start = stamped(new UnbondingStart(eventId(event)), event);
  start.account = event.params.account;
  start.amount = event.params.amount;
  start.readyAt = event.params.readyAt;
  start.save();
}

export function handleWithdrawn(event: Withdrawn): void {
  let account = loadAccount(event.params.account);
  account.unbonding = account.unbonding.minus(event.params.amount);
  account.unbondingReadyAt = BigInt.zero();
  account.save();
  let withdrawal = stamped(new Withdrawal(eventId(event)), event);
  withdrawal.account = event.params.account;
  withdrawal.amount = event.params.amount;
  withdrawal.save();
}

export function handleStakeLocked(event: StakeLocked): void {
  let account = loadAccount(event.params.account);
  account.available = account.available.minus(event.params.amount);
  account.locked = account.locked.plus(event.params.amount);
  account.save();
  let lock = stamped(new StakeLock(eventId(event)), event);
  lock.account = event.params.account;
  lock.module = event.params.module;
  lock.amount = event.params.amount;
  lock.save();
}

export function handleStakeUnlocked(event: StakeUnlocked): void {
  let account = loadAccount(event.params.account);
  account.locked = account.locked.minus(event.params.amount);
  account.available = account.available.plus(event.params.amount);
  account.save();
  let unlock = stamped(new StakeUnlock(eventId(event)), event);
  unlock.account = event.params.account;
  unlock.module = event.params.module;
  unlock.amount = event.params.amount;
  unlock.save();
}

export function handleStakeSlashed(event: StakeSlashed): void {
  let account = loadAccount(event.params.account);
  account.locked = account.locked.minus(event.params.amount);
  account.slashed = account.slashed.plus(event.params.amount);
  account.save();
  let slash = stamped(new Slash(eventId(event)), event);
  slash.account = event.params.account;
  slash.module = event.params.module;
  slash.beneficiary = event.params.beneficiary;
  slash.amount = event.params.amount;
  slash.toBeneficiary = event.params.toBeneficiary;
  slash.toTreasury = event.params.toTreasury;
  slash.save();
}
