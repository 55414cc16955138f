Follow the ${word}.
