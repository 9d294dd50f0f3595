package com.example.common;

import java.util.NoSuchElementException;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A value that is either a success carrying {@code T} or a failure carrying
 * an exception. Useful for pipelines where throwing is inconvenient.
 */
public sealed interface Result<T> permits Result.Ok, Result.Err {

    record Ok<T>(T value) implements Result<T> { }

    record Err<T>(Exception error) implements Result<T> { }

    static <T> Result<T> ok(T value) {
        return new Ok<>(value);
    }

    static <T> Result<T> err(Exception error) {
        return new Err<>(error);
    }

    @FunctionalInterface
    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    static <T> Result<T> of(ThrowingSupplier<T> supplier) {
        try {
            return ok(supplier.get());
        } catch (Exception e) {
            return err(e);
        }
    }

    default boolean isOk() {
        return this instanceof Ok;
    }

    default <U> Result<U> map(Function<? super T, ? extends U> fn) {
        return switch (this) {
            case Ok<T> ok -> Result.of(() -> fn.apply(ok.value()));
            case Err<T> err -> err(err.error());
        };
    }

    default <U> Result<U> flatMap(Function<? super T, Result<U>> fn) {
        return switch (this) {
            case Ok<T> ok -> fn.apply(ok.value());
            case Err<T> err -> err(err.error());
        };
    }

    default T orElse(T fallback) {
        return this instanceof Ok<T> ok ? ok.value() : fallback;
    }

    default T orElseGet(Supplier<? extends T> fallback) {
        return this instanceof Ok<T> ok ? ok.value() : fallback.get();
    }

    default T unwrap() {
        if (this instanceof Ok<T> ok) {
            return ok.value();
        }
        throw new NoSuchElementException("unwrap on Err: " + ((Err<T>) this).error().getMessage());
    }

    default Optional<T> toOptional() {
        return this instanceof Ok<T> ok ? Optional.ofNullable(ok.value()) : Optional.empty();
    }
}
