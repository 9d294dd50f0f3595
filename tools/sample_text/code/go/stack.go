// Package collections provides small generic container types.
package collections

import "errors"

// ErrEmpty is returned when popping or peeking an empty container.
var ErrEmpty = errors.New("collections: container is empty")

// Stack is a LIFO stack backed by a slice. The zero value is ready to use.
type Stack[T any] struct {
	items []T
}

// Push adds values to the top of the stack, in order.
func (s *Stack[T]) Push(values ...T) {
	s.items = append(s.items, values...)
}

// Pop removes and returns the top element.
func (s *Stack[T]) Pop() (T, error) {
	var zero T
	if len(s.items) == 0 {
		return zero, ErrEmpty
	}
	last := len(s.items) - 1
	v := s.items[last]
	s.items[last] = zero // avoid retaining references
	s.items = s.items[:last]
	return v, nil
}

// Peek returns the top element without removing it.
func (s *Stack[T]) Peek() (T, error) {
	if len(s.items) == 0 {
		var zero T
		return zero, ErrEmpty
	}
	return s.items[len(s.items)-1], nil
}

// Len reports the number of elements.
func (s *Stack[T]) Len() int { return len(s.items) }

// Empty reports whether the stack has no elements.
func (s *Stack[T]) Empty() bool { return len(s.items) == 0 }

// Clear removes all elements but keeps the allocated capacity.
func (s *Stack[T]) Clear() {
	clear(s.items)
	s.items = s.items[:0]
}

// BalancedBrackets reports whether every bracket in s is properly matched.
func BalancedBrackets(s string) bool {
	pairs := map[rune]rune{')': '(', ']': '[', '}': '{'}
	var st Stack[rune]
	for _, r := range s {
		switch r {
		case '(', '[', '{':
			st.Push(r)
		case ')', ']', '}':
			top, err := st.Pop()
			if err != nil || top != pairs[r] {
				return false
			}
		}
	}
	return st.Empty()
}
