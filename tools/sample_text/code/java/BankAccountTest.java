package com.example.banking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.math.BigDecimal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BankAccountTest {

    private BankAccount alice;
    private BankAccount bob;

    @BeforeEach
    void setUp() {
        alice = new BankAccount("ACC-001", "Alice");
        bob = new BankAccount("ACC-002", "Bob");
        alice.deposit(new BigDecimal("100.00"));
    }

    @Test
    void depositIncreasesBalance() {
        alice.deposit(new BigDecimal("25.50"));
        assertEquals(new BigDecimal("125.50"), alice.getBalance());
    }

    @Test
    void withdrawDecreasesBalance() {
        alice.withdraw(new BigDecimal("40"));
        assertEquals(new BigDecimal("60.00"), alice.getBalance());
    }

    @Test
    @DisplayName("withdrawing more than the balance throws and leaves the balance unchanged")
    void overdraftIsRejected() {
        assertThrows(BankAccount.InsufficientFundsException.class,
                () -> alice.withdraw(new BigDecimal("100.01")));
        assertEquals(new BigDecimal("100.00"), alice.getBalance());
    }

    @ParameterizedTest
    @ValueSource(strings = {"0", "-1", "-0.01"})
    void nonPositiveAmountsAreRejected(String amount) {
        assertThrows(IllegalArgumentException.class, () -> alice.deposit(new BigDecimal(amount)));
    }

    @Test
    void transferMovesMoneyBetweenAccounts() {
        alice.transferTo(bob, new BigDecimal("30"));
        assertEquals(new BigDecimal("70.00"), alice.getBalance());
        assertEquals(new BigDecimal("30.00"), bob.getBalance());
    }

    @Test
    void historyRecordsEveryTransaction() {
        alice.withdraw(BigDecimal.TEN);
        var history = alice.getHistory();
        assertEquals(2, history.size());
        assertEquals(new BigDecimal("-10.00"), history.get(1).amount());
        assertEquals(new BigDecimal("90.00"), history.get(1).balanceAfter());
    }

    @Test
    void amountsAreRoundedHalfEven() {
        bob.deposit(new BigDecimal("0.125"));
        assertEquals(new BigDecimal("0.12"), bob.getBalance());
    }
}
