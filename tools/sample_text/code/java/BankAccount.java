package com.example.banking;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

public class BankAccount {

    public record Transaction(String description, BigDecimal amount, BigDecimal balanceAfter) { }

    private final String accountNumber;
    private final String owner;
    private BigDecimal balance = BigDecimal.ZERO.setScale(2);
    private final List<Transaction> history = new ArrayList<>();

    public BankAccount(String accountNumber, String owner) {
        this.accountNumber = Objects.requireNonNull(accountNumber);
        this.owner = Objects.requireNonNull(owner);
    }

    public synchronized void deposit(BigDecimal amount) {
        requirePositive(amount);
        balance = balance.add(scale(amount));
        history.add(new Transaction("deposit", scale(amount), balance));
    }

    public synchronized void withdraw(BigDecimal amount) {
        requirePositive(amount);
        BigDecimal scaled = scale(amount);
        if (balance.compareTo(scaled) < 0) {
            throw new InsufficientFundsException(accountNumber, balance, scaled);
        }
        balance = balance.subtract(scaled);
        history.add(new Transaction("withdrawal", scaled.negate(), balance));
    }

    public void transferTo(BankAccount target, BigDecimal amount) {
        // lock in a consistent order to avoid deadlocks
        BankAccount first = accountNumber.compareTo(target.accountNumber) < 0 ? this : target;
        BankAccount second = first == this ? target : this;
        synchronized (first) {
            synchronized (second) {
                withdraw(amount);
                target.deposit(amount);
            }
        }
    }

    public synchronized BigDecimal getBalance() {
        return balance;
    }

    public synchronized List<Transaction> getHistory() {
        return Collections.unmodifiableList(new ArrayList<>(history));
    }

    public String getAccountNumber() {
        return accountNumber;
    }

    public String getOwner() {
        return owner;
    }

    private static BigDecimal scale(BigDecimal amount) {
        return amount.setScale(2, RoundingMode.HALF_EVEN);
    }

    private static void requirePositive(BigDecimal amount) {
        if (amount == null || amount.signum() <= 0) {
            throw new IllegalArgumentException("amount must be positive");
        }
    }

    public static class InsufficientFundsException extends RuntimeException {
        public InsufficientFundsException(String account, BigDecimal balance, BigDecimal requested) {
            super(String.format("account %s has %s, requested %s", account, balance, requested));
        }
    }
}
