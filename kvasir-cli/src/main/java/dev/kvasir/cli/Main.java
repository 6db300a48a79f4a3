package dev.kvasir.cli;

public final class Main {
    public static void main(String[] args) {
        System.out.println("kvasir: not yet");
    }
}
