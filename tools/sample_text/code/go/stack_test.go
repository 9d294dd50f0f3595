package collections

import (
	"errors"
	"testing"
)

func TestStackPushPop(t *testing.T) {
	var s Stack[int]
	s.Push(1, 2, 3)
	if got := s.Len(); got != 3 {
		t.Fatalf("Len() = %d, want 3", got)
	}
	for _, want := range []int{3, 2, 1} {
		got, err := s.Pop()
		if err != nil {
			t.Fatalf("Pop() unexpected error: %v", err)
		}
		if got != want {
			t.Errorf("Pop() = %d, want %d", got, want)
		}
	}
	if _, err := s.Pop(); !errors.Is(err, ErrEmpty) {
		t.Errorf("Pop() on empty stack: err = %v, want ErrEmpty", err)
	}
}

func TestStackPeekDoesNotRemove(t *testing.T) {
	var s Stack[string]
	s.Push("a", "b")
	v, err := s.Peek()
	if err != nil || v != "b" {
		t.Fatalf("Peek() = %q, %v; want \"b\", nil", v, err)
	}
	if s.Len() != 2 {
		t.Errorf("Peek changed length to %d", s.Len())
	}
}

func TestStackClear(t *testing.T) {
	var s Stack[float64]
	s.Push(1.5, 2.5)
	s.Clear()
	if !s.Empty() {
		t.Error("stack not empty after Clear")
	}
}

func TestBalancedBrackets(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"empty", "", true},
		{"simple", "()", true},
		{"nested", "{[()()]}", true},
		{"with text", "func(a[i]) { return }", true},
		{"unclosed", "((", false},
		{"wrong order", "([)]", false},
		{"extra closer", "())", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := BalancedBrackets(tt.in); got != tt.want {
				t.Errorf("BalancedBrackets(%q) = %v, want %v", tt.in, got, tt.want)
			}
		})
	}
}

func BenchmarkStackPushPop(b *testing.B) {
	var s Stack[int]
	for i := 0; i < b.N; i++ {
		s.Push(i)
		if _, err := s.Pop(); err != nil {
			b.Fatal(err)
		}
	}
}
